/// What the administrative commands print for people (`--json` prints the
/// API's JSON instead): lists as aligned columns under a header, one record
/// as aligned "label: value" lines.
enum Table {
    /// `rows` under `header`, each column as wide as its widest cell, two spaces apart.
    static func columns(_ header: [String], _ rows: [[String]]) -> String {
        let lines = [header] + rows
        let widths = header.indices.map { column in lines.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return lines.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 || column >= widths.count ? cell : pad(cell, widths[column])
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// One record: an indented "label: value" line per field, values aligned.
    static func fields(_ pairs: [(String, String)]) -> String {
        let width = pairs.map { $0.0.count + 1 }.max() ?? 0
        return pairs.map { label, value in "  " + pad(label + ":", width) + "  " + value }.joined(separator: "\n")
    }

    /// A list cell: its items comma-separated, "-" for none.
    static func list(_ items: [String]) -> String { items.isEmpty ? "-" : items.joined(separator: ",") }

    static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
}
