package dev.genuine

import android.content.Context

/**
 * Android set-up for Genuine. Call [init] once, e.g. in `Application.onCreate`,
 * before the first `Verifier.sync()`: it lets the Rust TLS stack check the feed's
 * certificate against Android's own trust store (rustls-platform-verifier).
 */
object GenuineAndroid {
    @Volatile private var ready = false

    init {
        // The same library JNA loads for the generated bindings.
        System.loadLibrary("genuine_ffi")
    }

    @JvmStatic
    private external fun initPlatformVerifier(context: Context)

    /** Idempotent; safe to call from any thread. */
    @JvmStatic
    @Synchronized
    fun init(context: Context) {
        if (!ready) {
            initPlatformVerifier(context.applicationContext)
            ready = true
        }
    }
}
