global using StreamPipeline.Attacks;
