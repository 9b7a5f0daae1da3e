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

struct ScannerView: View {
    @ObservedObject var model: GenuineModel

    var body: some View {
        VStack(spacing: 0) {
            ZStack(alignment: .bottom) {
                camera
                if let entry = model.card {
                    CardPanel(card: entry.card) { model.card = nil }
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

struct CardPanel: View {
    let card: VerdictCard
    let onClose: () -> Void

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
