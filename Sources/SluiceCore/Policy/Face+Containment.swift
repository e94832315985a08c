extension Face {
    /// Whether everything `other` delivers, this face delivers too: its
    /// subject patterns cover the other's and its field paths cover the
    /// other's. Sound, not complete: when coverage cannot be shown, false.
    public func contains(_ other: Face) -> Bool {
        subjects.covers(other.subjects) && fields.covers(other.fields)
    }
}
