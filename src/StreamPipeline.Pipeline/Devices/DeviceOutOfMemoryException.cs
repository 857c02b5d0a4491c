namespace StreamPipeline.Pipeline.Devices;

/// <summary>A batch did not fit in device memory; the device pool splits it in halves and tries again.</summary>
public sealed class DeviceOutOfMemoryException(string message, Exception? inner = null) : Exception(message, inner);
