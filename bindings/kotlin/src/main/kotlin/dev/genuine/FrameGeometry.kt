@file:JvmName("FrameGeometry")

package dev.genuine

// Where a code's corners (in the pixels of the buffer the SDK scanned) are on
// the screen. Pure math on 3×3 matrices in row-major order, as
// android.graphics.Matrix.getValues gives them, so it runs and is tested on
// the JVM.
//
// CameraX with COORDINATE_SYSTEM_VIEW_REFERENCED hands the analyzer a
// sensor → view matrix (Analyzer.updateTransform), while the corners are in
// buffer pixels; ImageInfo.sensorToBufferTransformMatrix says where the
// buffer sits on the sensor (rotation, crop). So a corner goes buffer →
// sensor (the inverse of sensorToBuffer) → view. Applying sensor → view to
// buffer pixels directly puts the outline in the wrong place as soon as the
// buffer is rotated or cropped (MlKitAnalyzer does the same composition).

/**
 * The buffer → view matrix: `sensorToView` after the inverse of
 * `sensorToBuffer`. Both row-major, 9 values. Throws [IllegalArgumentException]
 * for a matrix that has no inverse (a degenerate crop).
 */
fun bufferToView(sensorToBuffer: FloatArray, sensorToView: FloatArray): FloatArray =
    multiply(sensorToView, invert(sensorToBuffer))

/** `points` (x0, y0, x1, y1, ...) through `matrix` (row-major, 9 values), with perspective. */
fun mapPoints(matrix: FloatArray, points: FloatArray): FloatArray {
    require(matrix.size == 9 && points.size % 2 == 0)
    val out = FloatArray(points.size)
    for (i in points.indices step 2) {
        val (x, y) = points[i].toDouble() to points[i + 1].toDouble()
        val w = matrix[6] * x + matrix[7] * y + matrix[8]
        out[i] = ((matrix[0] * x + matrix[1] * y + matrix[2]) / w).toFloat()
        out[i + 1] = ((matrix[3] * x + matrix[4] * y + matrix[5]) / w).toFloat()
    }
    return out
}

/** The corners of a scanned code in view pixels. */
fun ScannedVerdict.cornersIn(bufferToView: FloatArray): FloatArray =
    mapPoints(bufferToView, FloatArray(corners.size * 2) { i -> (if (i % 2 == 0) corners[i / 2].x else corners[i / 2].y).toFloat() })

private fun multiply(a: FloatArray, b: FloatArray): FloatArray {
    require(a.size == 9 && b.size == 9)
    return FloatArray(9) { i ->
        val (row, col) = i / 3 to i % 3
        (0 until 3).sumOf { k -> a[row * 3 + k].toDouble() * b[k * 3 + col] }.toFloat()
    }
}

private fun invert(m: FloatArray): FloatArray {
    require(m.size == 9)
    val a = DoubleArray(9) { m[it].toDouble() }
    val c00 = a[4] * a[8] - a[5] * a[7]
    val c01 = a[5] * a[6] - a[3] * a[8]
    val c02 = a[3] * a[7] - a[4] * a[6]
    val det = a[0] * c00 + a[1] * c01 + a[2] * c02
    require(kotlin.math.abs(det) > 1e-12) { "the sensor-to-buffer matrix has no inverse" }
    val inv = doubleArrayOf(
        c00, a[2] * a[7] - a[1] * a[8], a[1] * a[5] - a[2] * a[4],
        c01, a[0] * a[8] - a[2] * a[6], a[2] * a[3] - a[0] * a[5],
        c02, a[1] * a[6] - a[0] * a[7], a[0] * a[4] - a[1] * a[3],
    )
    return FloatArray(9) { (inv[it] / det).toFloat() }
}
