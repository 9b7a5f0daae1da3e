package dev.genuine.demo

import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import dev.genuine.GenuineException
import java.util.concurrent.TimeUnit

/**
 * Keeps keys and recall lists current while the app is closed, so a scan on a
 * plane is checked against lists at most a few hours old. The feed's timestamp
 * lives a day (docs/SYNC.md): every 6 hours leaves room for failed attempts.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val problem = (applicationContext as DemoApp).genuine.sync() ?: return Result.success()
        return when {
            problem is GenuineException.Network && problem.retryable -> Result.retry()
            // A refused feed or a broken store will not fix itself by retrying now;
            // the next period tries again.
            else -> Result.failure()
        }
    }

    companion object {
        private const val NAME = "genuine-sync"

        fun schedule(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(6, TimeUnit.HOURS)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 1, TimeUnit.MINUTES)
                .build()
            WorkManager.getInstance(context)
                .enqueueUniquePeriodicWork(NAME, ExistingPeriodicWorkPolicy.KEEP, request)
        }
    }
}
