/// Caro application logic: identity, schema on Jazz, sync engine.
public enum CaroKit {}
