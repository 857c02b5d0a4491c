using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// Turns a batch (images N×C×H×W in [0,1] on the model's device, int64 labels) into new images, e.g. PGD adversarial
/// examples for adversarial training or robust evaluation. Must return a new tensor and leave its inputs alone; it may
/// switch the model to eval mode (the trainer switches it back). Supplied by the Attacks project.
/// </summary>
public delegate Tensor ExamplePerturber(ClassifierModel model, Tensor images, Tensor labels);
