import JazzProto

print("caro-benchmarks")
