namespace StreamPipeline.Models;

/// <summary>Outcome of <see cref="Trainer.Train"/>: the last epoch's mean training loss and accuracy (on the examples trained on).</summary>
public sealed record TrainResult(int Epochs, long ExamplesSeen, double FinalLoss, double FinalAccuracy, TimeSpan Elapsed);
