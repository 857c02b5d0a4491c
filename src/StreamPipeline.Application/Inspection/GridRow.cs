namespace StreamPipeline.Application.Inspection;

/// <summary>
/// One example of the grid and where its cells are (top-left corners, in grid pixels). For D_det/D_rand the cells are
/// source | constructed | difference from the source; for D_R/D_NR start x0 | constructed | source | difference from x0
/// (<see cref="StartLeft"/> is null for the former). <see cref="Lines"/> is the text drawn beside it.
/// </summary>
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
    int DiffLeft)
{
    /// <summary>The class names of <see cref="SourceLabel"/> and <see cref="Label"/>, as the grid writes them.</summary>
    public string SourceName { get; init; } = "";

    public string LabelName { get; init; } = "";

    /// <summary>D_R/D_NR: the start image's index in the source dataset (null: a noise start, or D_det/D_rand).</summary>
    public long? StartIndex { get; init; }

    /// <summary>D_R/D_NR: where the start image x0 is drawn; null for D_det/D_rand.</summary>
    public int? StartLeft { get; init; }

    /// <summary>The text beside the example, line by line.</summary>
    public IReadOnlyList<string> Lines { get; init; } = [];
}
