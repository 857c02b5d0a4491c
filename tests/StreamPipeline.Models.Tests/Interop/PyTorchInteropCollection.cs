namespace StreamPipeline.Models.Tests.Interop;

/// <summary>The interop tests share one set of PyTorch-written files (<see cref="PyTorchFiles"/>).</summary>
[CollectionDefinition(Name)]
public sealed class PyTorchInteropCollection : ICollectionFixture<PyTorchFiles>
{
    public const string Name = "pytorch interop";
}
