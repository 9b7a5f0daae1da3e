package dev.genuine.demo

import android.content.Context
import dev.genuine.GenuineException
import dev.genuine.HttpUrlConnectionTransport
import dev.genuine.TrustStatus
import dev.genuine.Verifier
import dev.genuine.VerifierConfig
import dev.genuine.parseAnchor
import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.withContext

/**
 * Owns the app's one [Verifier] (thread-safe: the camera thread scans and
 * verifies while a sync runs) and what the UI shows about its trust data.
 */
class GenuineRepository(private val context: Context) {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)

    /** Opened once, off the main thread (SQLite I/O); a failure is kept and shown. */
    private val opened = scope.async { runCatching { open() } }

    private val _status = MutableStateFlow<TrustStatus?>(null)

    /** What the verifier trusts and how fresh its recall lists are. */
    val status: StateFlow<TrustStatus?> = _status.asStateFlow()

    private val _lastProblem = MutableStateFlow<GenuineException?>(null)

    /** Why the last sync failed, until one succeeds. */
    val lastProblem: StateFlow<GenuineException?> = _lastProblem.asStateFlow()

    /** The verifier, or the error that kept it from opening. */
    suspend fun verifier(): Result<Verifier> = opened.await()

    private fun open(): Verifier {
        val roots = parseAnchor(asset("anchor.txt").decodeToString())
        val config = VerifierConfig(
            dbPath = File(context.filesDir, "genuine.db").path,
            rootKeys = roots.rootKeys,
            rootThreshold = roots.rootThreshold,
            feedUrl = BuildConfig.FEED_URL,
            requestTimeoutSeconds = 0,
        )
        // Sync moves its bytes over Android's own HTTP stack (the app's network
        // security config, proxy and user CAs apply); an app with an OkHttp
        // client passes its own HttpTransport instead.
        val verifier = Verifier.open(config, HttpUrlConnectionTransport())
        // The trust shipped with the app, so the very first scan works offline.
        // Imported at every launch: it is cheap, a no-op once held, never rolls
        // anything back, and brings in a newer bundle after an app update (or
        // after the SDK rebuilt a damaged store).
        verifier.importBundle(asset("trust.bundle"))
        _status.value = verifier.status()
        return verifier
    }

    private fun asset(name: String): ByteArray = context.assets.open(name).use { it.readBytes() }

    /**
     * Fetches new keys and recall lists. Returns the problem, or null on
     * success. Safe to call from the screen and the worker at once: the SDK
     * runs one sync at a time.
     */
    suspend fun sync(): GenuineException? {
        val verifier = verifier().getOrElse { return it as? GenuineException ?: GenuineException.Internal("$it") }
        val problem = try {
            verifier.sync()
            null
        } catch (e: GenuineException) {
            e
        }
        _lastProblem.value = problem
        withContext(Dispatchers.IO) {
            runCatching { verifier.status() }.onSuccess { _status.value = it }
        }
        return problem
    }
}
