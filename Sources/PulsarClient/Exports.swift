// PulsarSupport is not a product: its few public types (PulsarLogger, the clocks PulsarClock, SystemClock, ManualClock
// and PulsarInstant, JSONValue, JSONObject, Base64, Base64URL,
// FormatError) reach users through the modules whose API uses them, so importing this module is enough.
@_exported import PulsarSupport
