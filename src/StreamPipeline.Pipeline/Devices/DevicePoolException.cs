namespace StreamPipeline.Pipeline.Devices;

/// <summary>No device worker could be started (every device failed its starts); the job cannot proceed.</summary>
public sealed class DevicePoolException(string message) : Exception(message);
