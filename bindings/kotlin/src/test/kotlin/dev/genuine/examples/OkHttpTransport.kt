package dev.genuine.examples

import dev.genuine.HttpRequest
import dev.genuine.HttpResponse
import dev.genuine.HttpTransport
import dev.genuine.PostRequest
import dev.genuine.TransportException
import java.io.IOException
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody

/**
 * `sync()` through the app's own OkHttp client: its interceptors, proxy,
 * certificate pinning and connection pool. The example in docs/INTEGRATION.md,
 * compiled and run through the misbehaving-server suite here so it cannot rot.
 */
class OkHttpTransport(private val client: OkHttpClient) : HttpTransport {
    private val watcher = Executors.newSingleThreadScheduledExecutor { Thread(it).apply { isDaemon = true } }

    override fun `get`(request: HttpRequest): HttpResponse {
        val call = client.newBuilder()
            .callTimeout(request.timeoutMillis, TimeUnit.MILLISECONDS) // the whole request, body included
            .build()
            .newCall(
                Request.Builder().url(request.url)
                    .header("Accept-Encoding", "identity")
                    .apply { request.ifNoneMatch?.let { header("If-None-Match", it) } }
                    .build(),
            )
        // The app stopped waiting for the sync (its coroutine was cancelled): cancel the call.
        val watch = watcher.scheduleAtFixedRate(
            { if (request.cancel.isCancelled()) call.cancel() }, 0, 50, TimeUnit.MILLISECONDS,
        )
        try {
            call.execute().use { response ->
                val etag = response.header("ETag")
                if (response.code != 200) return HttpResponse(response.code, etag, ByteArray(0))
                val cap = request.maxBytes
                val source = response.body.source()
                // Reads at most cap + 1 bytes, whatever the server sends.
                if (source.request(cap + 1)) throw TransportException.TooLarge()
                return HttpResponse(200, etag, source.buffer.readByteArray())
            }
        } catch (e: IOException) {
            throw when {
                request.cancel.isCancelled() -> TransportException.Cancelled()
                call.isCanceled() || e is java.io.InterruptedIOException -> TransportException.Timeout()
                else -> TransportException.Failed(e.toString())
            }
        } finally {
            watch.cancel(false)
        }
    }

    /** Opt-in scan reports to a brand's collector (only once the shopper agreed). */
    override fun `post`(request: PostRequest): HttpResponse {
        val call = client.newBuilder()
            .callTimeout(request.timeoutMillis, TimeUnit.MILLISECONDS)
            .build()
            .newCall(Request.Builder().url(request.url).post(request.body.toRequestBody(JSON)).build())
        try {
            call.execute().use { response ->
                val source = response.body.source()
                if (source.request(request.maxBytes + 1)) throw TransportException.TooLarge()
                return HttpResponse(response.code, null, source.buffer.readByteArray())
            }
        } catch (e: IOException) {
            throw if (call.isCanceled() || e is java.io.InterruptedIOException) TransportException.Timeout()
            else TransportException.Failed(e.toString())
        }
    }

    private companion object {
        val JSON = "application/json".toMediaType()
    }
}
