// A test target imports PulsarTesting alone: the harness speaks in the event bus's, the client's and the emulator's
// types (PulsarEventBus, EventMessage, PulsarClient, Message, EmulatorConfiguration, ManualClock, FaultProxy, History).
@_exported import EventBus
@_exported import PulsarClient
@_exported import PulsarEmulator
@_exported import PulsarFaults
