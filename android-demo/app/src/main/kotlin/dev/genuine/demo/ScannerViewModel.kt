package dev.genuine.demo

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import dev.genuine.FakeReason
import dev.genuine.FrameReport
import dev.genuine.GenuineException
import dev.genuine.ScanSession
import dev.genuine.SessionEntry
import dev.genuine.Verifier
import dev.genuine.Wording
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/** Whether the verifier is ready to scan. */
sealed interface Setup {
    data object Opening : Setup

    data class Ready(val verifier: Verifier, val session: ScanSession) : Setup

    data class Failed(val message: String) : Setup
}

/** The scanner screen's state: verdict card, outlines, history, sync. */
class ScannerViewModel(app: Application) : AndroidViewModel(app) {
    private val genuine = (app as DemoApp).genuine

    /** The SDK's words for every verdict, status and problem (the same as the iOS demo's). */
    private val wording = Wording.english()
    private var session: ScanSession? = null

    private val _setup = MutableStateFlow<Setup>(Setup.Opening)
    val setup: StateFlow<Setup> = _setup.asStateFlow()

    private val _outlines = MutableStateFlow<List<Outline>>(emptyList())

    /** Codes in the current frame, for the overlay. */
    val outlines: StateFlow<List<Outline>> = _outlines.asStateFlow()

    private val _card = MutableStateFlow<SessionEntry?>(null)

    /** The verdict on screen: the latest code aimed at, or a history entry tapped. */
    val card: StateFlow<SessionEntry?> = _card.asStateFlow()

    private val _history = MutableStateFlow<List<SessionEntry>>(emptyList())

    /** Recent scans, newest first. */
    val history: StateFlow<List<SessionEntry>> = _history.asStateFlow()

    private val _syncing = MutableStateFlow(false)
    val syncing: StateFlow<Boolean> = _syncing.asStateFlow()

    private val _reporting = MutableStateFlow(false)

    /** Whether the shopper agreed to send scan reports (docs/CLONES.md): off until they do. */
    val reporting: StateFlow<Boolean> = _reporting.asStateFlow()

    private val _notice = MutableStateFlow<String?>(null)

    /** What became of the shopper's last report of a fake, until they close it. */
    val notice: StateFlow<String?> = _notice.asStateFlow()

    private val _frameProblem = MutableStateFlow<String?>(null)

    /** The line under the camera: freshness, or what went wrong. */
    val statusLine: StateFlow<String> = combine(genuine.status, genuine.lastProblem, _frameProblem) { s, p, f ->
        listOfNotNull(f, p?.let(wording::syncProblem), s?.let(wording::status)).joinToString(" ")
    }.stateIn(viewModelScope, SharingStarted.Eagerly, "")

    init {
        viewModelScope.launch {
            genuine.verifier()
                .onSuccess { verifier ->
                    val scanning = ScanSession(verifier, wording)
                    session = scanning
                    _setup.value = Setup.Ready(verifier, scanning)
                    _reporting.value = withContext(Dispatchers.IO) { runCatching { verifier.reporting() }.getOrDefault(false) }
                }
                .onFailure {
                    val message = (it as? GenuineException)?.let(wording::syncProblem) ?: "$it"
                    _setup.value = Setup.Failed(message)
                }
            refresh() // sync on start; the worker keeps it current afterwards
        }
    }

    /** From the analyzer thread, once per analysed frame (the session has taken it in). */
    fun onFrame(report: FrameReport, outlines: List<Outline>) {
        val scanning = session ?: return
        _frameProblem.value = null
        _outlines.value = outlines
        if (report.historyChanged) _history.value = scanning.history()
        if (report.cardChanged) _card.value = scanning.card()
    }

    fun onFrameError(e: Exception) {
        _frameProblem.value = if (e is GenuineException) wording.syncProblem(e) else "Couldn't read this frame: ${e.message}"
    }

    fun show(entry: SessionEntry) {
        val scanning = session ?: return
        scanning.show(entry.text)
        _card.value = scanning.card()
    }

    fun dismissCard() {
        session?.dismiss()
        _card.value = null
    }

    /**
     * The consent switch. The SDK keeps the choice; off drops every report
     * not yet sent. The session then reports each new scan of a signed
     * code (no location: this demo never asks for it), and sync sends them.
     */
    fun setReporting(on: Boolean) {
        val verifier = (_setup.value as? Setup.Ready)?.verifier ?: return
        viewModelScope.launch(Dispatchers.IO) {
            try {
                verifier.setReporting(on)
                _reporting.value = on
            } catch (e: GenuineException) {
                _notice.value = wording.syncProblem(e)
            }
        }
    }

    /** "Report a suspected fake" on the verdict card: sent at once to the code's brand (no consent switch needed: it is the shopper's own act). */
    fun reportFake(entry: SessionEntry, reason: FakeReason, note: String) {
        val verifier = (_setup.value as? Setup.Ready)?.verifier ?: return
        viewModelScope.launch(Dispatchers.IO) {
            _notice.value = try {
                verifier.reportSuspectedFake(entry.text, reason, note.trim())
                "Thank you. The brand has your report."
            } catch (e: GenuineException.BadInput) {
                "Not sent: ${e.detail}."
            } catch (e: GenuineException) {
                "Not sent. ${wording.syncProblem(e)}"
            }
        }
    }

    fun closeNotice() {
        _notice.value = null
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
