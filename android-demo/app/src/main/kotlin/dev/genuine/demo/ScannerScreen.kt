package dev.genuine.demo

import android.Manifest
import android.content.pm.PackageManager
import android.util.Size
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.resolutionselector.ResolutionSelector
import androidx.camera.core.resolutionselector.ResolutionStrategy
import androidx.camera.view.CameraController
import androidx.camera.view.LifecycleCameraController
import androidx.camera.view.PreviewView
import androidx.compose.foundation.Canvas
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.FilledTonalButton
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.pulltorefresh.PullToRefreshBox
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.clip
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.compose.ui.viewinterop.AndroidView
import androidx.core.content.ContextCompat
import androidx.lifecycle.compose.LocalLifecycleOwner
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import dev.genuine.FakeReason
import dev.genuine.ScanSession
import dev.genuine.SessionEntry
import dev.genuine.Verdict
import dev.genuine.VerdictCard
import java.text.DateFormat
import java.util.Date
import java.util.concurrent.Executors

private fun VerdictCard.colour() = Color(toneArgb.toInt())

/** Camera on top with outlines and the verdict card; history below, pull to sync. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun ScannerScreen(vm: ScannerViewModel) {
    val context = LocalContext.current
    var cameraAllowed by remember {
        mutableStateOf(ContextCompat.checkSelfPermission(context, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED)
    }
    val askCamera = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { cameraAllowed = it }
    LaunchedEffect(Unit) { if (!cameraAllowed) askCamera.launch(Manifest.permission.CAMERA) }

    val setup by vm.setup.collectAsStateWithLifecycle()
    val outlines by vm.outlines.collectAsStateWithLifecycle()
    val card by vm.card.collectAsStateWithLifecycle()
    val history by vm.history.collectAsStateWithLifecycle()
    val syncing by vm.syncing.collectAsStateWithLifecycle()
    val statusLine by vm.statusLine.collectAsStateWithLifecycle()
    val reporting by vm.reporting.collectAsStateWithLifecycle()
    val notice by vm.notice.collectAsStateWithLifecycle()
    var reportingFake by remember { mutableStateOf<SessionEntry?>(null) }
    var torchOn by rememberSaveable { mutableStateOf(false) }

    Column(Modifier.fillMaxSize().safeDrawingPadding()) {
        Box(Modifier.fillMaxWidth().weight(1.3f)) {
            when (val s = setup) {
                is Setup.Opening -> Centered("Opening…")
                is Setup.Failed -> Centered(s.message)
                is Setup.Ready -> if (cameraAllowed) {
                    CameraWithOutlines(s.session, vm, torchOn, outlines)
                } else {
                    Column(Modifier.align(Alignment.Center), horizontalAlignment = Alignment.CenterHorizontally) {
                        Text("Genuine needs the camera to read the code on a product.", Modifier.padding(16.dp))
                        Button(onClick = { askCamera.launch(Manifest.permission.CAMERA) }) { Text("Allow camera") }
                    }
                }
            }
            FilledTonalButton(
                onClick = { torchOn = !torchOn },
                modifier = Modifier.align(Alignment.TopEnd).padding(12.dp),
            ) { Text(if (torchOn) "Torch off" else "Torch on") }
            card?.let { entry ->
                // Only a code a brand signed has a brand to tell.
                val reportable = entry.verdict is Verdict.Authentic || entry.verdict is Verdict.Revoked
                CardPanel(
                    entry.card,
                    onDismiss = vm::dismissCard,
                    onReportFake = if (reportable) ({ reportingFake = entry }) else null,
                    modifier = Modifier.align(Alignment.BottomCenter).padding(12.dp),
                )
            }
        }
        Text(statusLine, Modifier.padding(horizontal = 16.dp, vertical = 8.dp), style = MaterialTheme.typography.bodySmall)
        Row(Modifier.fillMaxWidth().padding(horizontal = 16.dp), verticalAlignment = Alignment.CenterVertically) {
            Text(
                "Help brands find copied codes: send the codes I scan (never my location or who I am)",
                Modifier.weight(1f),
                style = MaterialTheme.typography.bodySmall,
            )
            Switch(checked = reporting, onCheckedChange = vm::setReporting)
        }
        HorizontalDivider()
        PullToRefreshBox(isRefreshing = syncing, onRefresh = vm::refresh, modifier = Modifier.fillMaxWidth().weight(1f)) {
            LazyColumn(Modifier.fillMaxSize()) {
                if (history.isEmpty()) {
                    item { Text("Scanned codes appear here. Pull down to update keys and recall lists.", Modifier.padding(16.dp)) }
                }
                items(history, key = { it.text }) { scan -> HistoryRow(scan, onClick = { vm.show(scan) }) }
            }
        }
    }
    reportingFake?.let { entry ->
        FakeReportDialog(
            onSend = { reason, note -> vm.reportFake(entry, reason, note); reportingFake = null },
            onCancel = { reportingFake = null },
        )
    }
    notice?.let { message ->
        AlertDialog(
            onDismissRequest = vm::closeNotice,
            confirmButton = { TextButton(onClick = vm::closeNotice) { Text("OK") } },
            text = { Text(message) },
        )
    }
}

/** Why the shopper thinks the box is fake, in their words; nothing else is sent. */
private val FAKE_REASONS = listOf(
    FakeReason.PRICE to "Far cheaper than it should be",
    FakeReason.PACKAGING to "The packaging looks wrong",
    FakeReason.PRODUCT to "The product itself is not right",
    FakeReason.SELLER to "The seller is doubtful",
    FakeReason.OTHER to "Something else",
)

@Composable
private fun FakeReportDialog(onSend: (FakeReason, String) -> Unit, onCancel: () -> Unit) {
    var reason by remember { mutableStateOf(FakeReason.PACKAGING) }
    var note by remember { mutableStateOf("") }
    AlertDialog(
        onDismissRequest = onCancel,
        title = { Text("Report a suspected fake") },
        text = {
            Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
                Text("The brand gets this code, your reason and your note. Nothing about you.", style = MaterialTheme.typography.bodySmall)
                for ((value, label) in FAKE_REASONS) {
                    Row(
                        Modifier.fillMaxWidth().selectable(selected = reason == value, onClick = { reason = value }),
                        verticalAlignment = Alignment.CenterVertically,
                    ) {
                        RadioButton(selected = reason == value, onClick = { reason = value })
                        Text(label)
                    }
                }
                OutlinedTextField(
                    value = note,
                    onValueChange = { note = it.take(500) },
                    label = { Text("What did you notice? (optional)") },
                    modifier = Modifier.fillMaxWidth(),
                )
            }
        },
        confirmButton = { Button(onClick = { onSend(reason, note) }) { Text("Send") } },
        dismissButton = { TextButton(onClick = onCancel) { Text("Cancel") } },
    )
}

@Composable
private fun Centered(message: String) {
    Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { Text(message, Modifier.padding(24.dp)) }
}

/** CameraX through a lifecycle-bound controller: preview plus the luma analyzer. */
@Composable
private fun CameraWithOutlines(session: ScanSession, vm: ScannerViewModel, torchOn: Boolean, outlines: List<Outline>) {
    val context = LocalContext.current
    val lifecycleOwner = LocalLifecycleOwner.current
    val controller = remember {
        LifecycleCameraController(context).apply {
            setEnabledUseCases(CameraController.IMAGE_ANALYSIS) // preview is always on
            imageAnalysisBackpressureStrategy = ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST
            imageAnalysisOutputImageFormat = ImageAnalysis.OUTPUT_IMAGE_FORMAT_YUV_420_888
            // 1080p: small printed codes resolve at arm's length; larger frames only cost time.
            imageAnalysisResolutionSelector = ResolutionSelector.Builder()
                .setResolutionStrategy(
                    ResolutionStrategy(Size(1920, 1080), ResolutionStrategy.FALLBACK_RULE_CLOSEST_HIGHER_THEN_LOWER),
                )
                .build()
        }
    }
    DisposableEffect(session, lifecycleOwner) {
        val analysisThread = Executors.newSingleThreadExecutor()
        controller.setImageAnalysisAnalyzer(analysisThread, ScanAnalyzer(session, vm::onFrame, vm::onFrameError))
        controller.bindToLifecycle(lifecycleOwner)
        onDispose {
            controller.clearImageAnalysisAnalyzer()
            controller.unbind()
            analysisThread.shutdown()
        }
    }
    LaunchedEffect(torchOn) { controller.enableTorch(torchOn) }

    Box(Modifier.fillMaxSize()) {
        AndroidView(
            factory = { PreviewView(it).apply { this.controller = controller; scaleType = PreviewView.ScaleType.FILL_CENTER } },
            modifier = Modifier.fillMaxSize(),
        )
        // Outlines are in PreviewView pixels (the analyzer maps them), the same as this canvas's.
        Canvas(Modifier.fillMaxSize()) {
            for (outline in outlines) {
                if (outline.points.size < 3) continue
                val path = Path().apply {
                    moveTo(outline.points[0].first, outline.points[0].second)
                    outline.points.drop(1).forEach { (x, y) -> lineTo(x, y) }
                    close()
                }
                drawPath(path, outline.code.card.colour(), style = Stroke(width = 6.dp.toPx()))
            }
        }
    }
}

@Composable
private fun CardPanel(
    text: VerdictCard,
    onDismiss: () -> Unit,
    onReportFake: (() -> Unit)?,
    modifier: Modifier = Modifier,
) {
    Card(
        modifier = modifier.fillMaxWidth(),
        colors = CardDefaults.cardColors(containerColor = text.colour(), contentColor = Color.White),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Text(text.title, style = MaterialTheme.typography.headlineSmall, fontWeight = FontWeight.Bold)
                Spacer(Modifier.weight(1f))
                TextButton(onClick = onDismiss) { Text("Close", color = Color.White) }
            }
            Text(text.explanation, style = MaterialTheme.typography.bodyLarge)
            Text(text.nextStep, style = MaterialTheme.typography.bodyMedium, fontWeight = FontWeight.SemiBold)
            for (detail in text.details) {
                Row {
                    Text(detail.label, Modifier.width(120.dp), style = MaterialTheme.typography.bodySmall)
                    Text(detail.value, style = MaterialTheme.typography.bodySmall)
                }
            }
            for (note in text.notes) Text(note, style = MaterialTheme.typography.bodySmall)
            if (onReportFake != null) {
                TextButton(onClick = onReportFake) { Text("Report a suspected fake", color = Color.White) }
            }
        }
    }
}

@Composable
private fun HistoryRow(scan: SessionEntry, onClick: () -> Unit) {
    val time = remember(scan.seenAtMillis) {
        DateFormat.getTimeInstance(DateFormat.SHORT).format(Date(scan.seenAtMillis.toLong()))
    }
    Row(
        Modifier.fillMaxWidth().clickable(onClick = onClick).padding(horizontal = 16.dp, vertical = 10.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Canvas(Modifier.size(12.dp).clip(CircleShape)) { drawCircle(scan.card.colour(), center = Offset(size.width / 2, size.height / 2)) }
        Spacer(Modifier.width(12.dp))
        Column(Modifier.weight(1f)) {
            Text(scan.card.title, fontWeight = FontWeight.SemiBold)
            val product = scan.card.details.joinToString(" · ") { it.value }.ifEmpty { scan.text }
            Text(product, style = MaterialTheme.typography.bodySmall, maxLines = 1)
        }
        Text(time, style = MaterialTheme.typography.bodySmall)
    }
}
