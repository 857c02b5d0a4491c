using TorchSharp;

namespace StreamPipeline.Models.Tests;

public sealed class DeviceSelectorTests
{
    public DeviceSelectorTests() => TorchTestEnvironment.Ensure();

    [Fact]
    public void Auto_selects_cuda_when_available_and_otherwise_the_cpu_with_one_notice()
    {
        var notices = new List<string>();
        var device = DeviceSelector.Select("auto", notices.Add);
        if (torch.cuda.is_available())
        {
            Assert.Equal(DeviceType.CUDA, device.type);
            Assert.Empty(notices);
        }
        else
        {
            Assert.Equal(DeviceType.CPU, device.type);
            Assert.Equal(["CUDA not available; using CPU"], notices);
        }
    }

    [Fact]
    public void Cpu_spec_selects_the_cpu_without_notice()
    {
        var notices = new List<string>();
        Assert.Equal(DeviceType.CPU, DeviceSelector.Select(" CPU ", notices.Add).type);
        Assert.Empty(notices);
    }

    [Fact]
    public void A_cuda_device_that_is_not_there_is_an_argument_error_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => DeviceSelector.Select("cuda:7"));
        Assert.Contains("'cuda:7'", e.Message);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("")]
    public void A_malformed_device_spec_is_an_argument_error(string spec)
    {
        var e = Assert.Throws<ArgumentException>(() => DeviceSelector.Select(spec));
        Assert.Contains("expected auto, cpu, cuda or cuda:N", e.Message);
    }

    [Fact]
    public void ParseList_keeps_duplicates_and_normalises_entries()
    {
        Assert.Equal(["cpu", "cpu"], DeviceSelector.ParseList("cpu,cpu"));
        Assert.Equal(["cuda:0", "cuda:1", "cuda:1"], DeviceSelector.ParseList(" CUDA:0 ,cuda:1,cuda:1"));
    }

    [Fact]
    public void ParseList_auto_means_every_cuda_device_or_the_cpu()
    {
        var expected = torch.cuda.is_available()
            ? Enumerable.Range(0, torch.cuda.device_count()).Select(i => $"cuda:{i}").ToArray()
            : ["cpu"];
        Assert.Equal(expected, DeviceSelector.ParseList("auto"));
    }

    [Theory]
    [InlineData("cpu,auto")]
    [InlineData("cpu,,cpu")]
    [InlineData("cpu,gpu")]
    [InlineData(" ")]
    public void ParseList_rejects_malformed_lists(string specs)
    {
        Assert.Throws<ArgumentException>(() => DeviceSelector.ParseList(specs));
    }
}
