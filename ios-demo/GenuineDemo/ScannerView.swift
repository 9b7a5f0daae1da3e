// Camera on top with outlines and the verdict card; history below, pull to sync.
import SwiftUI

extension VerdictCard {
    /// The tone's colour, from the SDK's ARGB.
    var color: Color {
        let argb = UInt32(bitPattern: toneArgb)
        let channel = { (shift: UInt32) in Double((argb >> shift) & 0xFF) / 255 }
        return Color(red: channel(16), green: channel(8), blue: channel(0))
    }
}

extension SessionEntry: Identifiable {
    public var id: String { text }
}

extension Verdict {
    /// Only a code a brand signed has a brand to tell about a fake.
    var hasBrand: Bool {
        switch self {
        case .authentic, .revoked: return true
        default: return false
        }
    }
}

struct ScannerView: View {
    @ObservedObject var model: GenuineModel
    @State private var reportingFake: SessionEntry?

    var body: some View {
        VStack(spacing: 0) {
            ZStack(alignment: .bottom) {
                camera
                if let entry = model.card {
                    CardPanel(
                        card: entry.card,
                        onClose: { model.card = nil },
                        onReportFake: entry.verdict.hasBrand ? { reportingFake = entry } : nil
                    )
                    .padding(12)
                }
            }
            .overlay(alignment: .topTrailing) {
                Button(model.torchOn ? "Torch off" : "Torch on") { model.torchOn.toggle() }
                    .buttonStyle(.borderedProminent)
                    .padding(12)
            }
            .frame(maxHeight: .infinity)
            .layoutPriority(1.3)

            Text(model.statusLine)
                .font(.footnote)
                .frame(maxWidth: .infinity, alignment: .leading)
                .padding(.horizontal, 16)
                .padding(.vertical, 8)
            Toggle(isOn: Binding(get: { model.reporting }, set: { model.setReporting($0) })) {
                Text("Help brands find copied codes: send the codes I scan (never my location or who I am)")
                    .font(.footnote)
            }
            .padding(.horizontal, 16)
            Divider()
            List {
                if model.history.isEmpty {
                    Text("Scanned codes appear here. Pull down to update keys and recall lists.")
                }
                ForEach(model.history) { scan in
                    HistoryRow(scan: scan).contentShape(Rectangle()).onTapGesture { model.card = scan }
                }
            }
            .listStyle(.plain)
            .refreshable { await model.refresh() }
            .frame(maxHeight: .infinity)
        }
        .sheet(item: $reportingFake) { entry in
            FakeReportForm { reason, note in
                reportingFake = nil
                Task { await model.reportFake(entry, reason: reason, note: note) }
            } onCancel: {
                reportingFake = nil
            }
        }
        .alert(model.notice ?? "", isPresented: Binding(get: { model.notice != nil }, set: { if !$0 { model.notice = nil } })) {
            Button("OK") { model.notice = nil }
        }
    }

    @ViewBuilder private var camera: some View {
        switch model.setup {
        case .opening:
            ProgressView("Opening…").frame(maxWidth: .infinity, maxHeight: .infinity)
        case let .failed(message):
            Text(message).padding(24).frame(maxWidth: .infinity, maxHeight: .infinity)
        case let .ready(_, _, scanner):
            CameraPreview(session: scanner.session, codes: model.codes)
                .ignoresSafeArea(edges: .top)
        }
    }
}

/// Why the shopper thinks the box is fake, in their words; nothing else is sent.
struct FakeReportForm: View {
    let onSend: (FakeReason, String) -> Void
    let onCancel: () -> Void
    @State private var reason = FakeReason.packaging
    @State private var note = ""

    private static let reasons: [(FakeReason, String)] = [
        (.price, "Far cheaper than it should be"),
        (.packaging, "The packaging looks wrong"),
        (.product, "The product itself is not right"),
        (.seller, "The seller is doubtful"),
        (.other, "Something else"),
    ]

    var body: some View {
        NavigationStack {
            Form {
                Section(footer: Text("The brand gets this code, your reason and your note. Nothing about you.")) {
                    Picker("Why", selection: $reason) {
                        ForEach(Self.reasons, id: \.0) { Text($0.1).tag($0.0) }
                    }
                    .pickerStyle(.inline)
                    TextField("What did you notice? (optional, 500 characters)", text: $note, axis: .vertical)
                }
            }
            .navigationTitle("Report a suspected fake")
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("Cancel", action: onCancel) }
                ToolbarItem(placement: .confirmationAction) { Button("Send") { onSend(reason, String(note.prefix(500))) } }
            }
        }
    }
}

struct CardPanel: View {
    let card: VerdictCard
    let onClose: () -> Void
    var onReportFake: (() -> Void)?

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            HStack {
                Text(card.title).font(.title2.bold())
                Spacer()
                Button("Close", action: onClose).foregroundStyle(.white)
            }
            Text(card.explanation).font(.body)
            Text(card.nextStep).font(.callout.weight(.semibold))
            ForEach(card.details, id: \.self) { detail in
                HStack(alignment: .top) {
                    Text(detail.label).frame(width: 120, alignment: .leading)
                    Text(detail.value)
                }
                .font(.caption)
            }
            ForEach(card.notes, id: \.self) { Text($0).font(.caption) }
            if let onReportFake {
                Button("Report a suspected fake", action: onReportFake).foregroundStyle(.white)
            }
        }
        .foregroundStyle(.white)
        .padding(16)
        .background(card.color, in: RoundedRectangle(cornerRadius: 16))
        .accessibilityElement(children: .combine)
        .accessibilityLabel("\(card.toneLabel): \(card.title). \(card.explanation)")
    }
}

struct HistoryRow: View {
    let scan: SessionEntry

    var body: some View {
        HStack(spacing: 12) {
            Circle().fill(scan.card.color).frame(width: 12, height: 12)
            VStack(alignment: .leading) {
                Text(scan.card.title).fontWeight(.semibold)
                Text(scan.card.details.isEmpty ? scan.text : scan.card.details.map(\.value).joined(separator: " · "))
                    .font(.caption)
                    .lineLimit(1)
            }
            Spacer()
            Text(Date(timeIntervalSince1970: Double(scan.seenAtMillis) / 1000), style: .time).font(.caption)
        }
    }
}
