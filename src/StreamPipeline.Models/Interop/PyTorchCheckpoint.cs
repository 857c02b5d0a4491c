using StreamPipeline.Data;
using StreamPipeline.Data.Files;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace StreamPipeline.Models.Interop;

/// <summary>
/// Brings PyTorch weights in as our checkpoints, and takes our checkpoints back out as PyTorch state_dicts
/// (<c>torch.save</c> zip format or safetensors) that load with <c>load_state_dict(strict=True)</c> into the matching
/// module of scripts/torch_models.py.
/// </summary>
public static class PyTorchCheckpoint
{
    /// <summary>
    /// Reads <see cref="ImportRequest.Source"/> (torch.save's zip or legacy format, or safetensors), maps its weights onto a fresh <see cref="ImportRequest.Architecture"/>
    /// model and writes it with <see cref="Checkpoint.Save"/>; the sidecar records the source file and its SHA-256.
    /// What is skipped or assumed is told to <paramref name="notice"/>. A file that cannot be read, or whose tensors do
    /// not fit the model, throws <see cref="InvalidDataException"/> naming the first key that does not fit.
    /// </summary>
    public static ImportResult Import(ImportRequest request, Action<string>? notice = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        notice ??= _ => { };
        if (!File.Exists(request.Source))
            throw new FileNotFoundException($"PyTorch weights not found: {InputText.Show(request.Source)}", request.Source);
        var architecture = request.Architecture.Trim().ToLowerInvariant();
        if (!ModelFactory.Architectures.Contains(architecture))
            throw new ArgumentException($"unknown model architecture '{InputText.Show(request.Architecture)}'; known: {string.Join(", ", ModelFactory.Architectures)}");

        // Every tensor read from the file dies with this scope; the model's own parameters are not scoped.
        using var scope = NewDisposeScope();
        var sha256 = FileChecksum.Sha256Of(request.Source);
        var (root, container, unreadable) = StateDictFile.Read(request.Source);
        if (unreadable.Count > 0)
            notice($"skipped objects of classes this reader does not know (e.g. pickled with dill): {string.Join(", ", unreadable)}");
        var source = StateDictExtraction.Extract(root, request.Source);
        foreach (var note in source.Notes) notice(note);

        var (shape, classes) = ImportShapes.Infer(architecture, source.Tensors, source.Mean, request.InputShape, request.Classes, request.Source);
        if (source.Mean is null)
            notice("the file carries no input normalisation: the model gets mean 0 and std 1, so it sees the [0,1] pixels as they are");

        ClassifierModel created;
        try
        {
            created = ModelFactory.Create(architecture, shape, classes, source.Mean, source.Std);
        }
        catch (ArgumentException e)
        {
            // e.g. a normalisation std of 0 or NaN: a fault of the file, so the file is named.
            throw new InvalidDataException($"{request.Source}: {e.Message}", e);
        }
        using var model = created;
        foreach (var note in StateDictCopy.CopyInto(model, source.Tensors, request.Source)) notice(note);
        model.eval();
        Checkpoint.RequireFinite(model, request.Source);

        var info = CheckpointInfo.Describe(model, $"imported:{Path.GetFileName(request.Source)}") with
        {
            ImportedFrom = new ImportSource(Path.GetFullPath(request.Source), sha256, $"{container}: {source.Layout}", source.Entry),
        };
        return new ImportResult(Checkpoint.Save(model, request.Output, info), source.Tensors.Count);
    }

    /// <summary>
    /// Writes the weights of checkpoint <paramref name="checkpoint"/> (all parameters and buffers, including the
    /// <c>mean</c>/<c>std</c> input normalisation) to <paramref name="output"/> — safetensors when its name ends in
    /// <c>.safetensors</c>, else PyTorch's zip format — via a temporary file and a rename.
    /// </summary>
    public static ExportResult Export(string checkpoint, string output)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(output);
        var (model, _) = Checkpoint.Load(checkpoint, CPU);
        using var owned = model;
        var full = Path.GetFullPath(output);
        var directory = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);

        var format = StateDictFile.FormatFor(full);
        var stateDict = model.state_dict();
        var temp = AtomicFile.TempPath(full);
        try
        {
            using (var stream = File.Create(temp))
            {
                if (format == StateDictFormat.Safetensors) Safetensors.SaveStateDict(stream, stateDict, leaveOpen: true);
                else PyTorchPickler.PickleStateDict(stream, stateDict, leaveOpen: true);
            }
            AtomicFile.Commit(temp, full);
        }
        catch
        {
            AtomicFile.TryDelete(temp);
            throw;
        }
        return new ExportResult(full, format, stateDict.Count, FileChecksum.Sha256Of(full));
    }
}
