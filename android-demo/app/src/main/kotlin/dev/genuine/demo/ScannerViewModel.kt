package dev.genuine.demo

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import dev.genuine.GenuineException
import dev.genuine.Verifier
import dev.genuine.demo.wording.VerdictText
import dev.genuine.demo.wording.VerdictWording
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** One scan as the history lists it. */
data class Scan(val atMillis: Long, val text: String, val card: VerdictText)

/** Whether the verifier is ready to scan. */
sealed interface Setup {
    data object Opening : Setup

    data class Ready(val verifier: Verifier) : Setup

    data class Failed(val message: String) : Setup
}

/** The scanner screen's state: verdict card, outlines, history, sync. */
class ScannerViewModel(app: Application) : AndroidViewModel(app) {
    private val genuine = (app as DemoApp).genuine

    private val _setup = MutableStateFlow<Setup>(Setup.Opening)
    val setup: StateFlow<Setup> = _setup.asStateFlow()

    private val _outlines = MutableStateFlow<List<FoundCode>>(emptyList())

    /** Codes in the current frame, for the overlay. */
    val outlines: StateFlow<List<FoundCode>> = _outlines.asStateFlow()

    private val _card = MutableStateFlow<Scan?>(null)

    /** The verdict on screen: the latest code aimed at, or a history entry tapped. */
    val card: StateFlow<Scan?> = _card.asStateFlow()

    private val _history = MutableStateFlow<List<Scan>>(emptyList())

    /** Recent scans, newest first. */
    val history: StateFlow<List<Scan>> = _history.asStateFlow()

    private val _syncing = MutableStateFlow(false)
    val syncing: StateFlow<Boolean> = _syncing.asStateFlow()

    private val _frameProblem = MutableStateFlow<String?>(null)

    /** The line under the camera: freshness, or what went wrong. */
    val statusLine: StateFlow<String> = combine(genuine.status, genuine.lastProblem, _frameProblem) { s, p, f ->
        listOfNotNull(f, p?.let(VerdictWording::syncProblem), s?.let(VerdictWording::status)).joinToString(" ")
    }.stateIn(viewModelScope, SharingStarted.Eagerly, "")

    init {
        viewModelScope.launch {
            genuine.verifier()
                .onSuccess { _setup.value = Setup.Ready(it) }
                .onFailure {
                    val message = (it as? GenuineException)?.let(VerdictWording::syncProblem) ?: "$it"
                    _setup.value = Setup.Failed(message)
                }
            refresh() // sync on start; the worker keeps it current afterwards
        }
    }

    /** From the analyzer thread, once per analysed frame. */
    fun onFrame(found: List<FoundCode>) {
        _frameProblem.value = null
        _outlines.value = found
        val aimed = found.maxByOrNull { it.area } ?: return
        val now = System.currentTimeMillis()
        val shown = _card.value
        // The same code held in view stays one history entry.
        if (shown != null && shown.text == aimed.text && now - shown.atMillis < SAME_SCAN_MILLIS) {
            _card.value = shown.copy(atMillis = now)
            return
        }
        val scan = Scan(now, aimed.text, VerdictWording.describe(aimed.verdict))
        _card.value = scan
        _history.update { (listOf(scan) + it.filter { old -> old.text != scan.text }).take(HISTORY_SIZE) }
    }

    fun onFrameError(e: GenuineException) {
        _frameProblem.value = VerdictWording.syncProblem(e)
    }

    fun show(scan: Scan) {
        _card.value = scan
    }

    fun dismissCard() {
        _card.value = null
    }

    /** Pull-to-refresh and start-up: one sync, its outcome in the status line. */
    fun refresh() {
        if (!_syncing.compareAndSet(expect = false, update = true)) return
        viewModelScope.launch {
            try {
                genuine.sync()
            } finally {
                _syncing.value = false
            }
        }
    }

    private companion object {
        const val SAME_SCAN_MILLIS = 3_000L
        const val HISTORY_SIZE = 50
    }
}
