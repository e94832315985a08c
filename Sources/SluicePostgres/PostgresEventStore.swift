import PostgresNIO
import SluiceCore
import SluiceStore

/// The PostgreSQL engine (contract section 11): several gateway nodes on one database.
public enum PostgresEngine {}
