package dev.genuine

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The overlay mapping of the Android demo's analyzer: a code's corners in
 * buffer pixels onto the preview, for buffers rotated and cropped on the
 * sensor as CameraX reports them.
 */
class FrameGeometryTest {
    private val identity = floatArrayOf(1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 1f)

    @Test
    fun anUnrotatedUncroppedBufferMapsLikeTheSensor() {
        val sensorToView = floatArrayOf(0.5f, 0f, 10f, 0f, 0.5f, 20f, 0f, 0f, 1f)
        val m = bufferToView(identity, sensorToView)
        assertArrayEquals(floatArrayOf(10f, 20f, 110f, 70f), mapPoints(m, floatArrayOf(0f, 0f, 200f, 100f)), 1e-4f)
    }

    @Test
    fun aRotatedBufferIsTurnedBackBeforeTheViewTransform() {
        // A 1920×1080 sensor read into a 1080×1920 buffer rotated 90°:
        // buffer (x, y) = (1080 - sensorY, sensorX).
        val sensorToBuffer = floatArrayOf(0f, -1f, 1080f, 1f, 0f, 0f, 0f, 0f, 1f)
        val sensorToView = identity
        val m = bufferToView(sensorToBuffer, sensorToView)
        // The buffer's top-left corner is the sensor's bottom-left... (0, 1080) on the sensor.
        assertArrayEquals(floatArrayOf(0f, 1080f), mapPoints(m, floatArrayOf(0f, 0f)), 1e-3f)
        // A point of the buffer lands where the sensor saw it, not where the
        // sensor-to-view matrix alone would put the buffer's pixel (the bug).
        val sensorPoint = floatArrayOf(1500f, 300f)
        val bufferPoint = mapPoints(sensorToBuffer, sensorPoint)
        assertArrayEquals(sensorPoint, mapPoints(m, bufferPoint), 1e-3f)
    }

    @Test
    fun aCroppedScaledBufferAndAViewTransformCompose() {
        // The buffer is the sensor's centre 960×540, at half resolution.
        val sensorToBuffer = floatArrayOf(0.5f, 0f, -240f, 0f, 0.5f, -135f, 0f, 0f, 1f)
        // The view shows the sensor scaled by 0.75 and shifted.
        val sensorToView = floatArrayOf(0.75f, 0f, -60f, 0f, 0.75f, -30f, 0f, 0f, 1f)
        val m = bufferToView(sensorToBuffer, sensorToView)
        for ((sx, sy) in listOf(480f to 270f, 1440f to 810f, 1000f to 500f)) {
            val inBuffer = mapPoints(sensorToBuffer, floatArrayOf(sx, sy))
            val expected = mapPoints(sensorToView, floatArrayOf(sx, sy))
            assertArrayEquals(expected, mapPoints(m, inBuffer), 1e-3f)
        }
    }

    @Test
    fun aMatrixWithoutInverseIsRefused() {
        assertThrows<IllegalArgumentException> { bufferToView(FloatArray(9), identity) }
    }
}
