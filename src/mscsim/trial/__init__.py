"""mscsim.trial"""
