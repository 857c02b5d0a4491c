using StreamPipeline.Application.Building;

namespace StreamPipeline.Application.Tests.Building;

/// <summary>Only an accelerator's allocator failure splits a batch; host memory running out, or any other error, does not.</summary>
public sealed class DeviceOutOfMemoryTests
{
    [Theory]
    [InlineData("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total capacity; 13.2 GiB already allocated)")]
    [InlineData("CUDA error: out of memory\nCUDA kernel errors might be asynchronously reported")]
    [InlineData("MPS backend out of memory (MPS allocated: 17.00 GB, other allocations: 1.2 GB)")]
    [InlineData("HIP out of memory. Tried to allocate 512.00 MiB")]
    public void Accelerator_allocator_failures_are_device_out_of_memory(string message) =>
        Assert.True(ModelPerturberFactory.IsDeviceOutOfMemory(new System.Runtime.InteropServices.ExternalException(message)));

    [Fact]
    public void Host_memory_and_other_errors_are_not()
    {
        Assert.False(ModelPerturberFactory.IsDeviceOutOfMemory(new OutOfMemoryException("Insufficient memory to continue the execution of the program.")));
        Assert.False(ModelPerturberFactory.IsDeviceOutOfMemory(new InvalidOperationException("DefaultCPUAllocator: can't allocate memory: you tried to allocate 4000000000 bytes. Error code 12 (Cannot allocate memory)")));
        Assert.False(ModelPerturberFactory.IsDeviceOutOfMemory(new InvalidOperationException("expected input to have 3 channels, but got 1")));
    }
}
