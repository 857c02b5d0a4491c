namespace StreamPipeline.Pipeline.Devices;

/// <summary>How device failures are classified and described in one line.</summary>
internal static class DeviceErrors
{
    /// <summary>Out of memory: ours, or TorchSharp/libtorch's "CUDA out of memory" (anywhere in the chain).</summary>
    public static bool IsOutOfMemory(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is DeviceOutOfMemoryException || e is OutOfMemoryException
                || e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase))
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
