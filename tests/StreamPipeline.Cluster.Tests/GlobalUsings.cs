global using StreamPipeline.Data.Constructions;
global using StreamPipeline.Data.Jobs;
global using StreamPipeline.Tests.Shared;
