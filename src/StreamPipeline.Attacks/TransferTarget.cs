using StreamPipeline.Models;

namespace StreamPipeline.Attacks;

/// <summary>A model that adversarial examples made on another (source) model are tried on, and the name it is reported under.</summary>
public sealed record TransferTarget(string Name, ClassifierModel Model);
