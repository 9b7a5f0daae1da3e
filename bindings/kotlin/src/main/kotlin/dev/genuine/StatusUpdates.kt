@file:JvmName("StatusUpdates")

package dev.genuine

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.conflate
import kotlinx.coroutines.flow.flowOn

/**
 * What the verifier trusts, now and after every change (a sync that brought
 * news, a bundle import), for a status line or a "last updated" label.
 * Conflated: a slow collector sees the latest status, not every one. The
 * first value is read from the store on an IO thread.
 */
fun Verifier.statusUpdates(): Flow<TrustStatus> = callbackFlow {
    val handle = addStatusListener(object : StatusListener {
        override fun onStatus(status: TrustStatus) {
            trySend(status)
        }
    })
    send(status())
    awaitClose { removeStatusListener(handle) }
}.conflate().flowOn(Dispatchers.IO)
