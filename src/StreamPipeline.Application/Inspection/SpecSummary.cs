using System.Text.Json.Nodes;

namespace StreamPipeline.Application.Inspection;

/// <summary>The attack and seed settings of a job, read from its manifest's spec; a setting the manifest lacks is null.</summary>
/// <param name="Eps">Null for the unbounded norm of representation matching.</param>
/// <param name="Limit">Null when the job builds the whole dataset.</param>
/// <param name="StartMode">Only representation matching (robust/nonrobust) has a start image.</param>
public sealed record SpecSummary(
    string? Norm, double? Eps, double? StepSize, int? Steps, bool? RandomStart, long? Seed, long? Limit, string? StartMode)
{
    /// <summary>Reads the manifest's <c>spec</c> object (<c>JobSpec.OutputJson</c>), tolerating missing fields.</summary>
    public static SpecSummary From(JsonObject spec)
    {
        var attack = spec["attack"] as JsonObject;
        return new SpecSummary(
            Value<string>(attack?["norm"]),
            Number<double>(attack?["eps"]),
            Number<double>(attack?["step-size"]),
            Number<int>(attack?["steps"]),
            Number<bool>(attack?["random-start"]),
            Number<long>(spec["seed"]),
            Number<long>(spec["limit"]), // "all" is not a number: null
            Value<string>(spec["start-mode"]));
    }

    private static T? Value<T>(JsonNode? node) where T : class =>
        node is JsonValue v && v.TryGetValue<T>(out var value) ? value : null;

    private static T? Number<T>(JsonNode? node) where T : struct =>
        node is JsonValue v && v.TryGetValue<T>(out var value) ? value : null;
}
