/// Caro persistence on SQLite: CoValue storage for JazzProto and Caro's own tables.
public enum CaroStore {}
