namespace StreamPipeline.Experiment.Tests.Reporting;

/// <summary>Plot tests run one after another: ScottPlot keeps its font cache in static state.</summary>
[CollectionDefinition(Name)]
public sealed class PlotTestCollection
{
    public const string Name = "plots";
}
