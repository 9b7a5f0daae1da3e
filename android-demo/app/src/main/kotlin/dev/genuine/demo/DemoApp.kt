package dev.genuine.demo

import android.app.Application

/** Process-wide set-up: one verifier, periodic sync. */
class DemoApp : Application() {
    /** The app's one verifier and its state; shared by the screen and the sync worker. */
    val genuine: GenuineRepository by lazy { GenuineRepository(this) }

    override fun onCreate() {
        super.onCreate()
        SyncWorker.schedule(this)
    }
}
