namespace PartLy.Core;

/// <summary>Bad input (a trace, a workload description, a setting), with the place it was found.</summary>
public sealed class InputException(string message) : Exception(message);
