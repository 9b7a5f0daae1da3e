package dev.genuine.demo

import android.graphics.Matrix
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.ImageProxy
import dev.genuine.FrameReport
import dev.genuine.ScanSession
import dev.genuine.ScannedVerdict
import dev.genuine.bufferToView
import dev.genuine.cornersIn
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
    /** Sensor coordinates to PreviewView pixels, supplied by the camera controller. */
    @Volatile private var sensorToView: Matrix? = null

    override fun getTargetCoordinateSystem(): Int = ImageAnalysis.COORDINATE_SYSTEM_VIEW_REFERENCED

    override fun updateTransform(matrix: Matrix?) {
        sensorToView = matrix
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
            val toView = viewMatrix(frame)
            onFrame(report, report.codes.map { Outline(it, outline(it, toView)) })
        }
    }

    /**
     * Buffer pixels → view pixels: the buffer → sensor inverse of the frame's
     * sensorToBufferTransformMatrix, then the controller's sensor → view
     * (the SDK's tested FrameGeometry does the math). Null until the
     * controller has sent its first transform.
     */
    private fun viewMatrix(frame: ImageProxy): FloatArray? {
        val toView = sensorToView ?: return null
        val sensorToBuffer = FloatArray(9).also { frame.imageInfo.sensorToBufferTransformMatrix.getValues(it) }
        val sensorToViewValues = FloatArray(9).also { toView.getValues(it) }
        return runCatching { bufferToView(sensorToBuffer, sensorToViewValues) }.getOrNull()
    }

    private fun outline(code: ScannedVerdict, toView: FloatArray?): List<Pair<Float, Float>> {
        // Until the controller has sent its first transform the outline stays
        // in buffer pixels; the next frame corrects it.
        val points = if (toView != null) {
            code.cornersIn(toView)
        } else {
            FloatArray(code.corners.size * 2) { i -> (if (i % 2 == 0) code.corners[i / 2].x else code.corners[i / 2].y).toFloat() }
        }
        return points.toList().chunked(2) { (x, y) -> x to y }
    }
}
