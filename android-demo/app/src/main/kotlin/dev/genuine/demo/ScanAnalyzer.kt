package dev.genuine.demo

import android.graphics.Matrix
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.ImageProxy
import dev.genuine.FrameReport
import dev.genuine.ScanSession
import dev.genuine.ScannedVerdict
import dev.genuine.scanFrame

/** A code in the current frame, outlined in PreviewView pixels. */
data class Outline(val code: ScannedVerdict, val points: List<Pair<Float, Float>>)

/**
 * Hands plane 0 (luma) of each YUV_420_888 frame to the SDK's scan session on
 * CameraX's analyzer thread, with the plane's own row stride: no copy, no RGB.
 * One call scans, verifies and updates the session. The controller drops
 * frames while one is being scanned (keep-only-latest), so a slow frame never
 * queues up latency.
 */
class ScanAnalyzer(
    private val session: ScanSession,
    private val onFrame: (FrameReport, List<Outline>) -> Unit,
    private val onError: (Exception) -> Unit,
) : ImageAnalysis.Analyzer {
    /** Image pixels to PreviewView pixels, supplied by the camera controller. */
    @Volatile private var toView: Matrix? = null

    override fun getTargetCoordinateSystem(): Int = ImageAnalysis.COORDINATE_SYSTEM_VIEW_REFERENCED

    override fun updateTransform(matrix: Matrix?) {
        toView = matrix
    }

    override fun analyze(image: ImageProxy) {
        image.use { frame ->
            val luma = frame.planes[0]
            val report = try {
                // The plane is read in place from its buffer's position; wall-clock
                // milliseconds, so the history shows when each code was seen.
                session.scanFrame(luma.buffer, frame.width, frame.height, luma.rowStride, System.currentTimeMillis())
            } catch (e: Exception) {
                // A GenuineException, or anything else the frame's hand-off
                // throws (IllegalStateException from a closed image, ...):
                // report it and take the next frame; never kill the analyzer.
                onError(e)
                return
            }
            onFrame(report, report.codes.map { Outline(it, outline(it)) })
        }
    }

    private fun outline(code: ScannedVerdict): List<Pair<Float, Float>> {
        val points = FloatArray(code.corners.size * 2)
        code.corners.forEachIndexed { i, c ->
            points[2 * i] = c.x.toFloat()
            points[2 * i + 1] = c.y.toFloat()
        }
        // Until the controller has sent its first transform, the outline is in
        // image pixels; it is corrected by the next frame.
        toView?.mapPoints(points)
        return points.toList().chunked(2) { (x, y) -> x to y }
    }
}
