namespace StreamPipeline.Models;

/// <summary>Training progress: <see cref="Loss"/> and <see cref="Accuracy"/> are running means over the current epoch so far.</summary>
public sealed record TrainProgress(
    int Epoch, int Epochs, long ExamplesDone, long ExamplesTotal, double Loss, double Accuracy, TimeSpan Elapsed);
