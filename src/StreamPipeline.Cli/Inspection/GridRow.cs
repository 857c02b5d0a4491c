namespace StreamPipeline.Cli.Inspection;

/// <summary>One example of the grid and where its cells are (top-left corners, in grid pixels).</summary>
public sealed record GridRow(
    int Shard,
    long Index,
    int SourceLabel,
    int Label,
    bool AttackSuccess,
    float Distance,
    int Top,
    int SourceLeft,
    int ConstructedLeft,
    int DiffLeft);
