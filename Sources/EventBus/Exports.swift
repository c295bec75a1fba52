// The EventBus API speaks in the client's types (ClientConfiguration, Connector, MessageID, InitialPosition), so
// importing EventBus is enough to configure it.
@_exported import PulsarClient
