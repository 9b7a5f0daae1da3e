package dev.genuine.demo

import android.app.Application
import dev.genuine.GenuineAndroid

/** Process-wide set-up: TLS trust from Android, one verifier, periodic sync. */
class DemoApp : Application() {
    /** The app's one verifier and its state; shared by the screen and the sync worker. */
    val genuine: GenuineRepository by lazy { GenuineRepository(this) }

    override fun onCreate() {
        super.onCreate()
        // Before any sync: lets the SDK's TLS check the feed against Android's trust store.
        GenuineAndroid.init(this)
        SyncWorker.schedule(this)
    }
}
