global using StreamPipeline.Data.Constructions;
global using StreamPipeline.Tests.Shared;
global using Xunit;
