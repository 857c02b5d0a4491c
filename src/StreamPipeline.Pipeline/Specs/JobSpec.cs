using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StreamPipeline.Data;
using StreamPipeline.Data.Files;

namespace StreamPipeline.Pipeline.Specs;

/// <summary>
/// A dataset-construction job, resolved from HOCON + flags (see config/jobs/defaults.conf for every setting and its
/// default). Only <see cref="JobSpecLoader"/> makes one, and the constructor checks every value, so a JobSpec is valid
/// by its type: nothing downstream checks it again. It is immutable; <see cref="JobSpecLoader.Change"/> makes a changed
/// copy through the same checks.
/// </summary>
/// <remarks>
/// <see cref="SpecHash"/> identifies the job's output: it covers every field that changes the rows
/// written (construction, data, limit, shard size, attack, seed, start mode, the model checksum and
/// the output format version) and leaves out what only changes how the work is done (model path,
/// devices, batch size, retries, look-ahead, fault injection). Batch size is left out because every
/// random choice is seeded per example; numerically a device kernel may round differently at another
/// batch size, which is also what happens when an out-of-memory batch is split.
/// </remarks>
public sealed class JobSpec : IEquatable<JobSpec>
{
    /// <summary>
    /// Version of the rows' meaning and layout (the constructed-dataset schema the shards are written in); part of the
    /// spec hash, so a job started by a release writing another schema is never resumed into a mix of both.
    /// </summary>
    public const int OutputFormatVersion = StreamPipeline.Data.Parquet.ConstructedDatasetSchema.Version;

    // Computed once: the spec cannot change, and equality and hashing compare it.
    private readonly string _canonicalJson;

    /// <summary>
    /// The loader's one way to make a spec: copies the lists (so no caller can change the spec through them), then
    /// checks every value; throws <see cref="ArgumentException"/> <c>job spec: ...</c> naming the first bad setting,
    /// which the loader rewrites to name its source.
    /// </summary>
    internal JobSpec(ConstructionKind construction, string model, string data, long? limit, int batchSize, int shardSize,
        IReadOnlyList<string> devices, AttackSettings attack, long seed, StartMode startMode, int maxRetries, int maxBatchesAhead,
        FaultInjection faults)
    {
        Construction = construction;
        Model = model;
        Data = data;
        Limit = limit;
        BatchSize = batchSize;
        ShardSize = shardSize;
        Devices = devices is null ? null! : Array.AsReadOnly(devices.ToArray());
        Attack = attack;
        Seed = seed;
        StartMode = startMode;
        MaxRetries = maxRetries;
        MaxBatchesAhead = maxBatchesAhead;
        Faults = faults is null ? null! : faults with { FailingDevices = Array.AsReadOnly(faults.FailingDevices.ToArray()) };
        Validate();
        _canonicalJson = ToJsonObject().ToJsonString(CanonicalJson.Options);
    }

    public ConstructionKind Construction { get; }

    /// <summary>Path of the classifier checkpoint (its checksum, not its path, is in the spec hash).</summary>
    public string Model { get; }

    /// <summary>Dataset reference, e.g. <c>fashion-mnist:train</c>.</summary>
    public string Data { get; }

    /// <summary>Build the first N examples only; null = all.</summary>
    public long? Limit { get; }

    public int BatchSize { get; }

    /// <summary>Examples per shard; need not be a multiple of <see cref="BatchSize"/>.</summary>
    public int ShardSize { get; }

    /// <summary>One device worker per entry (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>, <c>mps</c>).</summary>
    public IReadOnlyList<string> Devices { get; }

    /// <summary>The attack; constructions always minimise their objective and keep each example's best iterate.</summary>
    public AttackSettings Attack { get; }

    public long Seed { get; }

    public StartMode StartMode { get; }

    /// <summary>Retries of a failing batch after its first failure (so at most MaxRetries + 1 attempts).</summary>
    public int MaxRetries { get; }

    /// <summary>Loaded batches allowed to wait for a device (the backpressure bound).</summary>
    public int MaxBatchesAhead { get; }

    public FaultInjection Faults { get; }

    private static readonly Regex DevicePattern = new(@"^(auto|cpu|mps|cuda(:\d{1,3})?)$", RegexOptions.CultureInvariant);

    private void Validate()
    {
        if (!Enum.IsDefined(Construction))
            Fail($"construction {(int)Construction} is not one of {Names.Construction.Choices}");
        if (string.IsNullOrWhiteSpace(Model))
            Fail("model is required: the path of the classifier checkpoint");
        if (string.IsNullOrWhiteSpace(Data))
            Fail("data is required: a dataset reference such as fashion-mnist:train");
        if (Limit is <= 0)
            Fail($"limit = {Limit} must be positive (or \"all\")");
        if (BatchSize is < 1 or > 1 << 20)
            Fail($"batch-size = {BatchSize} must be between 1 and {1 << 20}");
        if (ShardSize is < 1 or > 1 << 24)
            Fail($"shard-size = {ShardSize} must be between 1 and {1 << 24}");
        if (Devices is null || Devices.Count == 0)
            Fail("devices must name at least one device (auto, cpu, cuda:N)");
        foreach (var device in Devices!)
        {
            if (device is null || !DevicePattern.IsMatch(device))
                Fail($"devices: '{InputText.Show(device)}' is not a device (auto, cpu, cuda, cuda:N, mps)");
        }
        if (Devices!.Contains("auto") && Devices!.Count > 1)
            Fail("devices: 'auto' cannot be combined with other devices");
        if (Attack is null)
            Fail("attack settings are missing");
        if (!Attack!.Targeted || !Attack.KeepBest)
            Fail("attack: constructions minimise their objective and keep the best iterate (targeted and keep-best must be true)");
        try
        {
            Attack.Validate();
        }
        catch (ArgumentException e)
        {
            Fail(e.Message);
        }
        if (Attack.Steps < 1)
            Fail($"attack.steps = {Attack.Steps} must be at least 1");
        if (Attack.Norm == ThreatModel.L2Unbounded && !Construction.IsRepresentationMatching())
            Fail($"attack.norm = {Names.Norm.Of(Attack.Norm)} is for robust/nonrobust; {Names.Construction.Of(Construction)} needs an eps-ball (l2 or linf)");
        if (!Enum.IsDefined(StartMode))
            Fail($"start-mode {(int)StartMode} is not one of {Names.StartMode.Choices}");
        if (MaxRetries is < 0 or > 100)
            Fail($"max-retries = {MaxRetries} must be between 0 and 100");
        if (MaxBatchesAhead is < 1 or > 4096)
            Fail($"max-batches-ahead = {MaxBatchesAhead} must be between 1 and 4096");
        if (Faults is null)
            Fail("faults settings are missing");
        if (Faults!.FailEveryNthBatch < 0)
            Fail($"faults.fail-every-nth-batch = {Faults.FailEveryNthBatch} must be 0 (off) or positive");
        if (Faults.OomAboveBatchSize < 0)
            Fail($"faults.oom-above-batch-size = {Faults.OomAboveBatchSize} must be 0 (off) or positive");
        foreach (var index in Faults.FailingDevices)
        {
            if (index < 0 || index >= Devices!.Count)
                Fail($"faults.failing-devices: {index} is not an index into devices (0..{Devices.Count - 1})");
        }
    }

    private static void Fail(string message) => throw new ArgumentException("job spec: " + message);

    /// <summary>The construction's settings for the attack engine: everything it needs besides the model and the data.</summary>
    public ConstructionSettings ToConstructionSettings() => new ConstructionSettings(Construction, Attack, Seed, StartMode).Validate();

    /// <summary>The full resolved spec as a JSON object, keys in canonical (ordinal) order.</summary>
    public JsonObject ToJsonObject() => new()
    {
        ["attack"] = AttackJson(includeEps: true),
        ["batch-size"] = BatchSize,
        ["construction"] = Names.Construction.Of(Construction),
        ["data"] = Data,
        ["devices"] = new JsonArray(Devices.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
        ["faults"] = new JsonObject
        {
            ["fail-every-nth-batch"] = Faults.FailEveryNthBatch,
            ["failing-devices"] = new JsonArray(Faults.FailingDevices.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray()),
            ["oom-above-batch-size"] = Faults.OomAboveBatchSize,
        },
        ["limit"] = LimitJson(),
        ["max-batches-ahead"] = MaxBatchesAhead,
        ["max-retries"] = MaxRetries,
        ["model"] = Model,
        ["seed"] = Seed,
        ["shard-size"] = ShardSize,
        ["start-mode"] = Names.StartMode.Of(StartMode),
    };

    /// <summary>The full resolved spec as compact canonical JSON (what job.conf and file metadata record).</summary>
    public string ToCanonicalJson() => _canonicalJson;

    /// <summary>The fields that decide the output as compact canonical JSON (what each shard file's metadata records).</summary>
    public string OutputCanonicalJson() => OutputJson().ToJsonString(CanonicalJson.Options);

    /// <summary>The fields that decide the output, flattened to dotted keys with JSON-text values (the manifest records them).</summary>
    public IReadOnlyDictionary<string, string> OutputFields() => Flatten(OutputJson());

    /// <summary>The fields that decide the output as a JSON object (keys in ordinal order).</summary>
    public JsonObject OutputJson()
    {
        var output = new JsonObject
        {
            ["attack"] = AttackJson(includeEps: Attack.Norm != ThreatModel.L2Unbounded),
            ["construction"] = Names.Construction.Of(Construction),
            ["data"] = Data,
            ["format"] = OutputFormatVersion,
            ["limit"] = LimitJson(),
            ["seed"] = Seed,
            ["shard-size"] = ShardSize,
        };
        // The start image only exists for representation matching; elsewhere the setting is inert.
        if (Construction.IsRepresentationMatching())
            output["start-mode"] = Names.StartMode.Of(StartMode);
        return output;
    }

    /// <summary>A JSON object flattened to dotted keys with JSON-text values, in ordinal key order.</summary>
    public static IReadOnlyDictionary<string, string> Flatten(JsonObject node)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Flatten(node, "", fields);
        return fields;
    }

    /// <summary>SHA-256 (lowercase hex) of the canonical JSON of <see cref="OutputFields"/> plus the model checksum.</summary>
    public string SpecHash(string modelSha256)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelSha256);
        var canonical = new JsonObject();
        var fields = new SortedDictionary<string, string>(OutputFields().ToDictionary(), StringComparer.Ordinal)
        {
            ["model-sha256"] = JsonValue.Create(modelSha256.ToLowerInvariant()).ToJsonString(CanonicalJson.Options),
        };
        foreach (var (key, value) in fields)
            canonical[key] = JsonNode.Parse(value);
        return FileChecksum.Sha256Of(Encoding.UTF8.GetBytes(canonical.ToJsonString(CanonicalJson.Options)));
    }

    /// <summary>The resolved spec as HOCON text (job.conf); <see cref="JobSpecLoader"/> reads it back to an equal spec.</summary>
    public string ToHocon()
    {
        var text = new StringBuilder();
        text.Append("# Resolved job spec, written by stream-pipeline build. Defaults: config/jobs/defaults.conf.\n");
        WriteHocon(ToJsonObject(), text, 0);
        return text.ToString();
    }

    /// <summary>Equal when every setting is: the canonical JSON covers them all (the model path and devices included).</summary>
    public bool Equals(JobSpec? other) =>
        ReferenceEquals(this, other) || (other is not null && string.Equals(_canonicalJson, other._canonicalJson, StringComparison.Ordinal));

    public override bool Equals(object? obj) => Equals(obj as JobSpec);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_canonicalJson);

    public static bool operator ==(JobSpec? left, JobSpec? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(JobSpec? left, JobSpec? right) => !(left == right);

    /// <summary>The canonical JSON (what job.conf says, as one line).</summary>
    public override string ToString() => _canonicalJson;

    private JsonObject AttackJson(bool includeEps)
    {
        var attack = new JsonObject();
        if (includeEps)
            attack["eps"] = Attack.Eps;
        attack["norm"] = Names.Norm.Of(Attack.Norm);
        attack["random-start"] = Attack.RandomStart;
        attack["step-size"] = Attack.StepSize;
        attack["steps"] = Attack.Steps;
        return attack;
    }

    private JsonNode LimitJson() => Limit is { } limit ? JsonValue.Create(limit) : JsonValue.Create("all");

    private static void Flatten(JsonObject node, string prefix, IDictionary<string, string> into)
    {
        foreach (var (key, value) in node)
        {
            if (value is JsonObject child)
                Flatten(child, prefix + key + ".", into);
            else
                into[prefix + key] = value?.ToJsonString(CanonicalJson.Options) ?? "null";
        }
    }

    private static void WriteHocon(JsonObject node, StringBuilder text, int depth)
    {
        var indent = new string(' ', depth * 2);
        foreach (var (key, value) in node)
        {
            if (value is JsonObject child)
            {
                text.Append(indent).Append(key).Append(" {\n");
                WriteHocon(child, text, depth + 1);
                text.Append(indent).Append("}\n");
            }
            else
            {
                // JSON literals (quoted strings, numbers, booleans, arrays) are valid HOCON values.
                text.Append(indent).Append(key).Append(" = ").Append(value?.ToJsonString(CanonicalJson.Options) ?? "null").Append('\n');
            }
        }
    }
}
