package dev.genuine.demo

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import dev.genuine.GenuineException
import dev.genuine.Verifier
import dev.genuine.demo.session.FoundCode
import dev.genuine.demo.session.Scan
import dev.genuine.demo.session.ScanSession
import dev.genuine.demo.wording.VerdictWording
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.launch

/** Whether the verifier is ready to scan. */
sealed interface Setup {
    data object Opening : Setup

    data class Ready(val verifier: Verifier) : Setup

    data class Failed(val message: String) : Setup
}

/** The scanner screen's state: verdict card, outlines, history, sync. */
class ScannerViewModel(app: Application) : AndroidViewModel(app) {
    private val genuine = (app as DemoApp).genuine
    private val session = ScanSession()

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
        if (session.onFrame(found, System.currentTimeMillis())) _history.value = session.history
        _card.value = session.card
    }

    fun onFrameError(e: GenuineException) {
        _frameProblem.value = VerdictWording.syncProblem(e)
    }

    fun show(scan: Scan) {
        session.show(scan)
        _card.value = session.card
    }

    fun dismissCard() {
        session.dismiss()
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
}
