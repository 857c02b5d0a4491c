using StreamPipeline.Data;
using StreamPipeline.Data.Readers;

namespace StreamPipeline.Bench;

/// <summary>A CIFAR-10-format training split (binary version) of seeded random images and labels: bench's 3×32×32 data when none is given.</summary>
public static class RandomCifar10
{
    /// <summary>Writes <paramref name="count"/> records into data_batch_1.bin (the other four files empty) and returns the dataset reference.</summary>
    public static string Write(string directory, long count, int seed)
    {
        Directory.CreateDirectory(directory);
        var random = new Random(seed);
        var record = new byte[Cifar10Dataset.RecordBytes];
        for (var f = 0; f < Cifar10Dataset.TrainFiles.Count; f++)
        {
            using var file = File.Create(Path.Combine(directory, Cifar10Dataset.TrainFiles[f]));
            for (var i = 0; f == 0 && i < count; i++)
            {
                random.NextBytes(record);
                record[0] = (byte)random.Next(KnownDatasets.Cifar10.Classes);
                file.Write(record);
            }
        }
        return $"cifar10:{directory}:train";
    }
}
