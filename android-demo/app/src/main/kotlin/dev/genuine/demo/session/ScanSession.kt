package dev.genuine.demo.session

import dev.genuine.Verdict
import dev.genuine.demo.wording.VerdictText
import dev.genuine.demo.wording.VerdictWording

// What the scanner screen shows as frames arrive: which code's card is up and
// the history of recent scans. Plain Kotlin with no Android import, so the JVM
// tests (bindings/kotlin) drive it with frames through the real library.

/** A code found in a frame: its verdict and its outline (any pixel space). */
data class FoundCode(val text: String, val verdict: Verdict, val outline: List<Pair<Float, Float>>) {
    /** Shoelace area of the outline: the biggest code is the one the shopper aims at. */
    val area: Float
        get() = outline.indices.sumOf { i ->
            val (x1, y1) = outline[i]
            val (x2, y2) = outline[(i + 1) % outline.size]
            (x1 * y2 - x2 * y1).toDouble()
        }.let { kotlin.math.abs(it / 2).toFloat() }
}

/** One scan as the card and the history show it. */
data class Scan(val atMillis: Long, val text: String, val card: VerdictText)

/**
 * The card and history, updated frame by frame. Thread-safe: frames come from
 * the camera's thread, taps from the main thread.
 */
class ScanSession(private val sameScanMillis: Long = 3_000, private val historySize: Int = 50) {
    private var shown: Scan? = null
    private var recent: List<Scan> = emptyList()

    /** The card on screen, if any. */
    @get:Synchronized
    val card: Scan?
        get() = shown

    /** Recent scans, newest first, one entry per code. */
    @get:Synchronized
    val history: List<Scan>
        get() = recent

    /**
     * A frame's codes. The card follows the code aimed at (the largest); a code
     * held in view stays one history entry, and comes back to the top when it
     * is scanned again after a pause. Returns true when the history changed.
     */
    @Synchronized
    fun onFrame(found: List<FoundCode>, nowMillis: Long): Boolean {
        val aimed = found.maxByOrNull { it.area } ?: return false
        val current = shown
        if (current != null && current.text == aimed.text && nowMillis - current.atMillis < sameScanMillis) {
            shown = current.copy(atMillis = nowMillis)
            return false
        }
        val scan = Scan(nowMillis, aimed.text, VerdictWording.describe(aimed.verdict))
        shown = scan
        recent = (listOf(scan) + recent.filter { it.text != scan.text }).take(historySize)
        return true
    }

    /** A history entry tapped: its card again. */
    @Synchronized
    fun show(scan: Scan) {
        shown = scan
    }

    /** The card closed; the same code still in view brings it back. */
    @Synchronized
    fun dismiss() {
        shown = null
    }
}
