namespace StreamPipeline.Pipeline.Devices;

/// <summary>How device failures are classified and described in one line.</summary>
internal static class DeviceErrors
{
    /// <summary>
    /// The batch did not fit on the device: a <see cref="DeviceOutOfMemoryException"/> anywhere in the chain. The
    /// device adapter decides what counts (a CUDA allocator failure does; host RAM running out, a
    /// <see cref="OutOfMemoryException"/>, does not: splitting the batch would not help).
    /// </summary>
    public static bool IsOutOfMemory(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is DeviceOutOfMemoryException)
                return true;
        }
        return false;
    }

    public static string Describe(Exception error)
    {
        var e = error is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : error;
        var line = e.Message.Split('\n', 2)[0].Trim();
        return $"{e.GetType().Name}: {line}";
    }
}
