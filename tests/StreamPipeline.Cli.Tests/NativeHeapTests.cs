namespace StreamPipeline.Cli.Tests;

/// <summary>The CLI's glibc malloc settings reach glibc (mallopt accepts each), and the opt-out leaves glibc alone.</summary>
public sealed class NativeHeapTests
{
    [Fact]
    public void Glibc_takes_every_setting_on_linux()
    {
        Assert.True(OperatingSystem.IsLinux(), "these tests run on Linux (glibc)");
        Assert.True(NativeHeap.Tune(setting: null));
    }

    [Fact]
    public void Default_keeps_glibcs_own_settings()
    {
        Assert.False(NativeHeap.Tune("default"));
    }
}
