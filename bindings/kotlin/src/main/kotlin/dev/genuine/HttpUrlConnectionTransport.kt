package dev.genuine

import java.io.IOException
import java.net.HttpURLConnection
import java.net.Proxy
import java.net.URL
import java.util.concurrent.ExecutionException
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.Future
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException

/**
 * The SDK's default transport: `sync()` on the platform's own HTTP stack,
 * [HttpURLConnection], with no dependency. On Android that stack honours the
 * app's network security config (cleartext policy, pinning, user-added CAs
 * where the config trusts them) and the system proxy; on a JVM, the JVM's
 * trust store and `http(s).proxyHost` settings.
 *
 * What the sync asks of each request, enforced while it runs:
 * - the byte cap while streaming (an endless body costs at most the cap);
 * - the deadline for the whole request, body included;
 * - cancellation: when the coroutine that called `sync()` is cancelled (or
 *   on `cancelSync()`), the request's [CancelSignal] turns on and the call
 *   returns within [WATCH_MILLIS].
 *
 * A stalled read cannot be interrupted in HttpURLConnection (`disconnect()`
 * itself blocks, draining the body), so the exchange runs on a worker thread
 * and the calling thread waits for it, checking the signal and the deadline:
 * on either it returns at once, and the abandoned worker ends at its read
 * timeout (the request's deadline) after its connection is closed.
 *
 * - a body shorter than its `Content-Length` is a failure (HttpURLConnection
 *   itself hands it over as if whole).
 *
 * Nothing it returns is trusted: the core re-checks the cap and checks every
 * hash, signature and version. An app with its own client (OkHttp with its
 * interceptors and pinning) implements [HttpTransport] on it instead; see
 * docs/INTEGRATION.md.
 *
 * @param proxy a proxy for every request, or null for the platform's choice.
 */
class HttpUrlConnectionTransport @JvmOverloads constructor(
    private val proxy: Proxy? = null,
) : HttpTransport {

    override fun `get`(request: HttpRequest): HttpResponse =
        perform(request.url, request.timeoutMillis, request.cancel) { connection, left -> exchange(connection, request, left) }

    /** Opt-in scan reports to a brand's collector: one POST of JSON, held to the same cap, deadline and signal. */
    override fun `post`(request: PostRequest): HttpResponse =
        perform(request.url, request.timeoutMillis, request.cancel) { connection, left -> send(connection, request, left) }

    private fun perform(
        target: String,
        timeoutMillis: Long,
        cancel: CancelSignal,
        work: (HttpURLConnection, () -> Long) -> HttpResponse,
    ): HttpResponse {
        val timeout = timeoutMillis.coerceAtMost(MAX_TIMEOUT)
        val deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout)
        fun left(): Long = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())
        if (cancel.isCancelled()) throw TransportException.Cancelled()
        val url = try {
            URL(target)
        } catch (e: IOException) {
            throw TransportException.Failed("bad URL: ${e.message}")
        }
        val connection = (if (proxy != null) url.openConnection(proxy) else url.openConnection()) as HttpURLConnection
        // Read to the end, a connection goes back to the platform's
        // keep-alive pool for the sync's next file.
        val exchange: Future<HttpResponse> = WORKERS.submit<HttpResponse> { work(connection, ::left) }
        while (true) {
            try {
                return exchange.get(WATCH_MILLIS, TimeUnit.MILLISECONDS)
            } catch (_: TimeoutException) {
                val stop = when {
                    cancel.isCancelled() -> TransportException.Cancelled()
                    left() <= 0 -> TransportException.Timeout()
                    else -> null
                }
                if (stop != null) {
                    abandon(exchange, connection)
                    throw stop
                }
            } catch (e: ExecutionException) {
                abandon(exchange, connection)
                val cause = e.cause ?: e
                throw when {
                    cause is TransportException -> cause
                    cancel.isCancelled() -> TransportException.Cancelled()
                    left() <= 0 || cause is java.net.SocketTimeoutException -> TransportException.Timeout()
                    else -> TransportException.Failed("${cause.javaClass.simpleName}: ${cause.message}")
                }
            }
        }
    }

    private fun send(connection: HttpURLConnection, request: PostRequest, left: () -> Long): HttpResponse {
        prepare(connection, left)
        connection.instanceFollowRedirects = false
        connection.requestMethod = "POST"
        connection.doOutput = true
        connection.setRequestProperty("Content-Type", "application/json")
        connection.setFixedLengthStreamingMode(request.body.size)
        connection.outputStream.use { it.write(request.body) }
        val status = connection.responseCode
        val stream = if (status >= 400) connection.errorStream else connection.inputStream
        val body = stream?.use { readCapped(it, request.maxBytes, -1, request.cancel, left) } ?: ByteArray(0)
        return HttpResponse(status, null, body)
    }

    /** Leaves a failed or stopped exchange to end on its own; its connection is not reused. */
    private fun abandon(exchange: Future<HttpResponse>, connection: HttpURLConnection) {
        exchange.cancel(true)
        WORKERS.execute { connection.disconnect() }
    }

    /** What every request sets: the time left as its timeouts, and no platform cache. */
    private fun prepare(connection: HttpURLConnection, left: () -> Long) {
        val budget = left().coerceAtLeast(1).coerceAtMost(Int.MAX_VALUE.toLong()).toInt()
        connection.connectTimeout = budget
        connection.readTimeout = budget
        connection.useCaches = false
    }

    private fun exchange(connection: HttpURLConnection, request: HttpRequest, left: () -> Long): HttpResponse {
        prepare(connection, left)
        connection.instanceFollowRedirects = true
        connection.setRequestProperty("Accept-Encoding", "identity")
        request.ifNoneMatch?.let { connection.setRequestProperty("If-None-Match", it) }
        val status = connection.responseCode
        // The JDK caps a response head itself; this keeps the SDK's own cap
        // whatever the platform's default.
        val head = connection.headerFields.entries.sumOf { (k, v) -> (k?.length ?: 0) + v.sumOf { it.length + 4 } }
        if (head > MAX_HEAD) throw TransportException.Failed("response head of $head bytes, over $MAX_HEAD")
        val etag = connection.getHeaderField("ETag")
        // Only a 200's body is used; other answers are their status, and
        // their bodies (endless, perhaps) are never read: the socket goes.
        if (status != HttpURLConnection.HTTP_OK) {
            connection.disconnect()
            return HttpResponse(status, etag, ByteArray(0))
        }
        val cap = request.maxBytes
        val declared = connection.contentLengthLong
        if (declared > cap) throw TransportException.TooLarge()
        val body = connection.inputStream.use { readCapped(it, cap, declared, request.cancel, left) }
        // HttpURLConnection ends a body that the server cut short as if it
        // were whole: a short file is a failed transfer, not a file.
        if (declared >= 0 && body.size.toLong() != declared) {
            throw TransportException.Failed("body cut short: ${body.size} of $declared bytes")
        }
        return HttpResponse(status, etag, body)
    }

    /** Reads at most `cap` bytes, checking the signal and the deadline between reads. */
    private fun readCapped(input: java.io.InputStream, cap: Long, declared: Long, cancel: CancelSignal, left: () -> Long): ByteArray {
        // Sized from the declared length (at most the cap): an 8 MB base is not copied as it grows.
        val out = java.io.ByteArrayOutputStream(if (declared in 0..cap) declared.toInt().coerceAtMost(MAX_PRESIZE) else 64 * 1024)
        val buffer = ByteArray(64 * 1024)
        var total = 0L
        while (true) {
            if (cancel.isCancelled()) throw TransportException.Cancelled()
            if (left() <= 0) throw TransportException.Timeout()
            val n = input.read(buffer)
            if (n < 0) break
            total += n
            if (total > cap) throw TransportException.TooLarge()
            out.write(buffer, 0, n)
        }
        return out.toByteArray()
    }

    companion object {
        /** How often a waiting request checks its cancel signal and deadline. */
        const val WATCH_MILLIS = 50L

        /** Largest buffer allocated up front from a declared length. */
        private const val MAX_PRESIZE = 64 * 1024 * 1024

        /** Most bytes of response head accepted. */
        const val MAX_HEAD = 64 * 1024

        /** A deadline beyond this (a day) is taken as this. */
        private const val MAX_TIMEOUT = 86_400_000L

        /** Daemon threads for the exchanges (one per request in flight, reused). */
        private val WORKERS: ExecutorService = Executors.newCachedThreadPool { task ->
            Thread(task, "genuine-http").apply { isDaemon = true }
        }
    }
}
