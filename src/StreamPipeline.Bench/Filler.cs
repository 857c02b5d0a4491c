using StreamPipeline.Application.Building;
using StreamPipeline.Attacks;
using StreamPipeline.Models;
using TorchSharp;

namespace StreamPipeline.Bench;

/// <summary>
/// Keeps a paired-mode phase process's CPU doing the same kind of work (one-step PGD on the warm-up batch, a few
/// milliseconds each) whenever its own phase is not running, so that the other process's window never runs beside an
/// idle CPU: whichever side finishes first keeps loading the machine until the other is done. Paused (and waited for)
/// before the process's own window opens.
/// </summary>
public sealed class Filler : IDisposable
{
    private readonly object _gate = new();
    private readonly Thread _thread;
    private bool _running;
    private bool _stopped;
    private bool _busy;
    private Exception? _failure;

    public Filler(VerifiedCheckpoint checkpoint, ConstructionSettings construction, PerturbRequest batch, InferenceTransforms transforms)
    {
        var oneStep = construction with { Attack = construction.Attack with { Steps = 1 } };
        _thread = new Thread(() => Loop(checkpoint, oneStep, batch, transforms)) { IsBackground = true, Name = "sp-filler" };
        _thread.Start();
    }

    /// <summary>Stops the filler and waits until its current step is done; rethrows what made it fail.</summary>
    public void Pause()
    {
        lock (_gate)
        {
            _running = false;
            while (_busy) Monitor.Wait(_gate);
            if (_failure is { } failure)
                throw new InvalidOperationException($"bench filler failed: {failure.Message}", failure);
        }
    }

    public void Resume()
    {
        lock (_gate)
        {
            _running = true;
            Monitor.PulseAll(_gate);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
        }
        _thread.Join();
    }

    private void Loop(VerifiedCheckpoint checkpoint, ConstructionSettings settings, PerturbRequest batch, InferenceTransforms transforms)
    {
        ClassifierModel? model = null;
        try
        {
            torch.set_num_threads(1);
            var device = DeviceSelector.Select("cpu");
            model = ModelPerturberFactory.LoadForAttack(checkpoint, device, transforms);
            var construction = Constructions.Create(settings);
            while (true)
            {
                lock (_gate)
                {
                    while (!_running && !_stopped) Monitor.Wait(_gate);
                    if (_stopped) return;
                    _busy = true;
                }
                try
                {
                    construction.Apply(model, batch, device);
                }
                finally
                {
                    lock (_gate)
                    {
                        _busy = false;
                        Monitor.PulseAll(_gate);
                    }
                }
            }
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _failure = e;
                _busy = false;
                Monitor.PulseAll(_gate);
            }
        }
        finally
        {
            model?.Dispose();
        }
    }
}
