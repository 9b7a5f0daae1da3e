package dev.genuine.examples

// docs/INTEGRATION.md's Kotlin snippets, compiled with the SDK's tests so the
// guide cannot drift from the API. Android-only parts (Context, CameraX) are
// written against plain parameters here; the guide shows where they come from.

import dev.genuine.GenuineException
import dev.genuine.GenuineLogger
import dev.genuine.HttpUrlConnectionTransport
import dev.genuine.LogEvent
import dev.genuine.LogLevel
import dev.genuine.ScanSession
import dev.genuine.SessionEntry
import dev.genuine.SyncReport
import dev.genuine.TrustStatus
import dev.genuine.Verifier
import dev.genuine.VerifierConfig
import dev.genuine.parseAnchor
import dev.genuine.scanFrame
import dev.genuine.setLogger
import dev.genuine.statusUpdates
import java.io.File
import java.nio.ByteBuffer
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

// --- first-launch (docs/INTEGRATION.md "2. Open the verifier") ---
/** Opens the process's one verifier off the main thread and imports the shipped bundle. */
suspend fun openVerifier(filesDir: File, anchorText: String, bundle: () -> ByteArray): Verifier =
    withContext(Dispatchers.IO) {
        val roots = parseAnchor(anchorText)
        val verifier = Verifier.open(
            VerifierConfig(
                dbPath = File(filesDir, "genuine.db").path,
                rootKeys = roots.rootKeys,
                rootThreshold = roots.rootThreshold,
                feedUrl = "https://feed.brand.example/",
            ),
            HttpUrlConnectionTransport(),
        )
        // Every launch: a no-op once held, never a rollback, and it brings a
        // newer bundle in after an app update.
        verifier.importBundle(bundle())
        verifier
    }

// --- the analyzer (docs/INTEGRATION.md "3. Scan") ---
/** One camera frame: plane 0's buffer, the image size and the plane's row stride. */
fun onFrame(
    session: ScanSession,
    luma: ByteBuffer,
    width: Int,
    height: Int,
    rowStride: Int,
    show: (SessionEntry?) -> Unit,
    showHistory: (List<SessionEntry>) -> Unit,
) {
    val report = try {
        session.scanFrame(luma, width, height, rowStride, System.currentTimeMillis())
    } catch (e: GenuineException) {
        return // a bad frame (size, stride): skip it; the next one comes in 30 ms
    }
    if (report.cardChanged) show(session.card())
    if (report.historyChanged) showHistory(session.history())
}

// --- logging (docs/INTEGRATION.md "5. Logs and status") ---
fun installLogger(log: (priority: Int, message: String) -> Unit) {
    setLogger(object : GenuineLogger {
        override fun log(event: LogEvent) {
            val priority = when (event.level) {
                LogLevel.INFO -> 4 // android.util.Log.INFO
                LogLevel.WARN -> 5
                LogLevel.ERROR -> 6
            }
            log(priority, "${event.topic}: ${event.message}" + (event.millis?.let { " ($it ms)" } ?: ""))
        }
    })
}

fun watchStatus(scope: CoroutineScope, verifier: Verifier, render: (TrustStatus) -> Unit) =
    scope.launch { verifier.statusUpdates().collect { render(it) } }

// --- errors (docs/INTEGRATION.md "6. Errors") ---
/** A background sync job's outcome: retry later, give up, or done. */
suspend fun syncOnce(verifier: Verifier): Result<SyncReport> =
    try {
        Result.success(verifier.sync())
    } catch (e: GenuineException.Network) {
        Result.failure(e) // e.retryable: back off and try again (WorkManager's Result.retry())
    } catch (e: GenuineException.FeedRefused) {
        Result.failure(e) // a safety check refused the update: log it, don't loop
    }
