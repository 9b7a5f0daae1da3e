@file:JvmName("Frames")

package dev.genuine

import java.nio.ByteBuffer

// A camera's luma plane into the library, from any direct ByteBuffer.
//
// uniffi's zero-copy `&[u8]` hands Rust the buffer's *base* address with
// `remaining()` bytes: a buffer not at position 0 would be read from the
// wrong place, and a heap buffer has no address at all. These wrappers read
// the bytes from the buffer's position (a slice starts there), refuse heap
// buffers with a BadInput that says what to do, and keep the buffer reachable
// until the native call has returned (the monitor holds it; a temporary
// direct buffer is otherwise free to be collected mid-call).

private fun <T> withPlane(buffer: ByteBuffer, call: (ByteBuffer) -> T): T {
    if (!buffer.isDirect) {
        throw GenuineException.BadInput(
            "a heap ByteBuffer has no native address: pass the camera plane's buffer, or one from ByteBuffer.allocateDirect",
        )
    }
    val plane = if (buffer.position() == 0) buffer else buffer.slice()
    return synchronized(buffer) { call(plane) }
}

/**
 * Finds and decodes every QR code in a luma plane (CameraX plane 0 with its
 * `rowStride`), read in place from the buffer's position. Any direct buffer;
 * a heap buffer is `BadInput`.
 */
@Throws(GenuineException::class)
fun Verifier.scanLuma(buffer: ByteBuffer, width: Int, height: Int, rowStride: Int): List<ScanResult> =
    withPlane(buffer) { scanLumaAtBase(it, width, height, rowStride) }

/** Every code in a luma plane with its verdict and card: one call per frame (see [scanLuma]). */
@Throws(GenuineException::class)
fun Verifier.scanAndVerify(buffer: ByteBuffer, width: Int, height: Int, rowStride: Int): List<ScannedVerdict> =
    withPlane(buffer) { scanAndVerifyAtBase(it, width, height, rowStride) }

/**
 * One camera frame through the session: every code with its verdict and
 * card, and what changed on screen (see [scanLuma] for the buffer).
 */
@Throws(GenuineException::class)
fun ScanSession.scanFrame(buffer: ByteBuffer, width: Int, height: Int, rowStride: Int, nowMillis: Long): FrameReport =
    withPlane(buffer) { scanFrameAtBase(it, width, height, rowStride, nowMillis) }
