global using StreamPipeline.Data.Constructions;
