import Testing
@testable import CaroStore
